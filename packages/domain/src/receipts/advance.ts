export type ReceiptKind = "delivered" | "read";

export interface Position {
  deliveredSeq: number;
  readSeq: number;
}

// Positions only move forward. Reading up to seq implies delivery up to seq.
export function advancePosition(current: Position, kind: ReceiptKind, seq: number): { next: Position; changed: boolean } {
  const next = {
    deliveredSeq: Math.max(current.deliveredSeq, seq),
    readSeq: kind === "read" ? Math.max(current.readSeq, seq) : current.readSeq,
  };
  return { next, changed: next.deliveredSeq !== current.deliveredSeq || next.readSeq !== current.readSeq };
}

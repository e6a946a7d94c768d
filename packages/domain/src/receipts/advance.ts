export type ReceiptKind = "delivered" | "read";

export interface Position {
  deliveredSeq: bigint;
  readSeq: bigint;
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);

// Positions only move forward. Reading up to seq implies delivery up to seq.
export function advancePosition(current: Position, kind: ReceiptKind, seq: bigint): { next: Position; changed: boolean } {
  const next = {
    deliveredSeq: max(current.deliveredSeq, seq),
    readSeq: kind === "read" ? max(current.readSeq, seq) : current.readSeq,
  };
  return { next, changed: next.deliveredSeq !== current.deliveredSeq || next.readSeq !== current.readSeq };
}

// What the load generator needs from a server: open an authenticated connection that is in its
// groups, send a message with an id, and report acks, errors and deliveries. One adapter per
// protocol (our /ws/v1, the bare ws broadcast server, Centrifuge).

export interface Events {
  onAck(id: string, seq: number | undefined): void;
  onError(id: string | undefined, code: string): void;
  onDelivery(conn: string, group: string, id: string, seq: number): void;
}

export interface ConnSpec {
  user: string;
  token?: string;
  // Groups the connection is in: chat ids (membership is the server's) or channel names to join.
  groups: string[];
}

export interface Conn {
  readonly user: string;
  send(group: string, id: string): void;
  // Ids stored in a group at the given seqs (only servers with a store; undefined otherwise).
  stored?(group: string, seq: number): Promise<string | undefined>;
  close(): Promise<void>;
}

export type Connect = (url: string, spec: ConnSpec, events: Events) => Promise<Conn>;

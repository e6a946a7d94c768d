import type { IncomingMessage } from "node:http";
import { promisify } from "node:util";
import { brotliDecompress, gunzip, inflate } from "node:zlib";
import { ChatError } from "@chat/domain";

const DECODERS: Record<string, (b: Buffer, o: { maxOutputLength: number }) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  "x-gzip": promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

function tooLarge(limit: number): ChatError {
  return new ChatError("message_too_large", `request body is larger than ${limit} bytes`, { details: { limit } });
}

// Reads a request body with `limit` applied to what the handler will see: to the bytes on the
// wire and, for a compressed body (Content-Encoding gzip / deflate / br), to the decompressed
// bytes too. zlib stops inflating at the limit (maxOutputLength), so a small "zip bomb" never
// costs more than `limit` bytes of memory.
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = (req.headers["content-encoding"] ?? "identity").trim().toLowerCase();
  const decode = encoding === "identity" || encoding === "" ? undefined : DECODERS[encoding];
  if (encoding !== "identity" && encoding !== "" && !decode) {
    throw new ChatError("invalid_argument", `content-encoding ${encoding} is not supported (gzip, deflate, br)`, { details: { field: "content-encoding" } });
  }
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  if (!decode || raw.length === 0) return raw;
  try {
    return await decode(raw, { maxOutputLength: limit });
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge(limit);
    throw new ChatError("invalid_argument", `request body is not valid ${encoding} data`);
  }
}

import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { ChatError } from "../errors";

const INT64_KINDS = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);
// Proto JSON carries 64-bit integers as decimal strings (or plain JSON numbers). The protobuf
// runtime hands strings to BigInt(), which also takes "0x2", "0b10", "0o7" and " 2 ": one
// message would then have several spellings, and ids like seq would compare differently in
// logs, caches and clients. Only the decimal form is accepted, on every surface.
const DECIMAL = /^-?[0-9]+$/;

export function isDecimalInt64Json(v: unknown): boolean {
  if (typeof v === "number") return Number.isInteger(v);
  return typeof v === "string" && DECIMAL.test(v);
}

// Throws invalid_argument naming the first 64-bit integer field of `json` (proto JSON of `desc`)
// whose value is not a decimal integer. Unknown fields and wrong shapes are left to the proto
// JSON parser that runs next. Pure.
export function assertDecimalInt64(desc: DescMessage, json: unknown, path = ""): void {
  if (json === null || typeof json !== "object" || Array.isArray(json)) return;
  if (desc.typeName.startsWith("google.protobuf.")) return; // well-known types have their own JSON forms
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const field = desc.fields.find((f) => f.jsonName === key || f.name === key);
    if (field && value !== null) checkField(field, value, path ? `${path}.${field.name}` : field.name);
  }
}

function checkField(field: DescField, value: unknown, path: string): void {
  switch (field.fieldKind) {
    case "scalar":
      if (INT64_KINDS.has(field.scalar)) checkScalar(value, path);
      return;
    case "message":
      assertDecimalInt64(field.message, value, path);
      return;
    case "list":
      if (!Array.isArray(value)) return;
      if (field.listKind === "scalar" && INT64_KINDS.has(field.scalar)) value.forEach((v, i) => checkScalar(v, `${path}[${i}]`));
      else if (field.listKind === "message") value.forEach((v, i) => assertDecimalInt64(field.message, v, `${path}[${i}]`));
      return;
    case "map":
      if (value === null || typeof value !== "object") return;
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (INT64_KINDS.has(field.mapKey)) checkScalar(k, `${path}[${k}]`);
        if (field.mapKind === "scalar" && INT64_KINDS.has(field.scalar)) checkScalar(v, `${path}[${k}]`);
        else if (field.mapKind === "message") assertDecimalInt64(field.message, v, `${path}[${k}]`);
      }
      return;
    default:
      return;
  }
}

function checkScalar(value: unknown, path: string): void {
  if (!isDecimalInt64Json(value)) throw new ChatError("invalid_argument", `${path} must be a decimal integer`, { details: { field: path } });
}

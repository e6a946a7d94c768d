import { ScalarType, type DescField, type DescMessage, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { ChatError } from "@chat/domain";

// Builds the proto-JSON form of a request from path variables, query parameters and the body,
// following the google.api.http rules: the body ("*" or one field) first, then path variables,
// then query parameters for fields bound by neither. Pure.
export function buildRequestJson(
  input: DescMessage,
  parts: { pathVars: Record<string, string>; query: URLSearchParams; body: JsonValue | undefined; bodyField: string },
): JsonObject {
  let obj: JsonObject = {};
  if (parts.bodyField === "*") {
    if (parts.body !== undefined) {
      if (parts.body === null || typeof parts.body !== "object" || Array.isArray(parts.body)) throw new ChatError("invalid_argument", "request body must be a JSON object");
      obj = { ...parts.body };
    }
  } else if (parts.bodyField !== "" && parts.body !== undefined) {
    obj[fieldOf(input, parts.bodyField).jsonName] = parts.body;
  }
  for (const [path, raw] of Object.entries(parts.pathVars)) setPath(obj, input, path, [raw], "path");
  const bound = new Set([...Object.keys(parts.pathVars), parts.bodyField]);
  if (parts.bodyField !== "*") {
    const keys = new Set(parts.query.keys());
    for (const key of keys) {
      if (bound.has(key)) throw new ChatError("invalid_argument", `${key} is already given in the path or body`, { details: { field: key } });
      setPath(obj, input, key, parts.query.getAll(key), "query");
    }
  } else if ([...parts.query.keys()].length > 0) {
    throw new ChatError("invalid_argument", "this endpoint takes its fields in the JSON body, not the query string");
  }
  return obj;
}

function fieldOf(msg: DescMessage, name: string): DescField {
  const f = msg.fields.find((x) => x.name === name || x.jsonName === name);
  if (!f) throw new ChatError("invalid_argument", `unknown field ${name}`, { details: { field: name } });
  return f;
}

function setPath(obj: JsonObject, msg: DescMessage, path: string, values: string[], where: string): void {
  const names = path.split(".");
  let target = obj;
  let desc = msg;
  for (let i = 0; i < names.length - 1; i++) {
    const f = fieldOf(desc, names[i]);
    if (f.fieldKind !== "message") throw new ChatError("invalid_argument", `${names[i]} is not a message field`);
    target = (target[f.jsonName] ??= {}) as JsonObject;
    desc = f.message;
  }
  const field = fieldOf(desc, names[names.length - 1]);
  const converted = values.map((v) => convert(field, v, where));
  if (field.fieldKind === "list") target[field.jsonName] = converted;
  else {
    if (values.length > 1) throw new ChatError("invalid_argument", `${path} given more than once`, { details: { field: path } });
    target[field.jsonName] = converted[0];
  }
}

// Query and path values are strings; proto JSON wants numbers and booleans for some types.
function convert(field: DescField, raw: string, where: string): JsonValue {
  const kind = field.fieldKind === "list" ? field.listKind : field.fieldKind;
  if (kind === "enum") return /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (kind !== "scalar") throw new ChatError("invalid_argument", `${field.name} cannot be set from the ${where}`, { details: { field: field.name } });
  const scalar = field.scalar!;
  switch (scalar) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return raw;
    case ScalarType.BOOL:
      if (raw === "true" || raw === "false") return raw === "true";
      throw new ChatError("invalid_argument", `${field.name} must be true or false`, { details: { field: field.name } });
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return raw; // proto JSON carries 64-bit integers as strings
    default: {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n)) throw new ChatError("invalid_argument", `${field.name} must be a number`, { details: { field: field.name } });
      return n;
    }
  }
}

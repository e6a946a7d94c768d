import { ScalarType, type DescEnum, type DescField, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { ERROR_CODES } from "@chat/domain";
import { httpBindings } from "./http-rules";
import { toOpenApiPath } from "./path-template";

type Schema = Record<string, unknown>;

// OpenAPI 3.1 from the same descriptors and annotations the transcoder serves, with schemas in
// the proto JSON mapping (lowerCamel names, 64-bit integers as strings, enums as names).
export function buildOpenApi(services: DescService[], info: { title: string; version: string }): Record<string, unknown> {
  const schemas: Record<string, Schema> = {
    Error: {
      type: "object",
      required: ["code", "message"],
      properties: { code: { type: "string", enum: [...ERROR_CODES] }, message: { type: "string" }, details: { type: "object" } },
    },
  };
  const paths: Record<string, Record<string, unknown>> = {};
  const ref = (m: DescMessage) => {
    addMessage(m, schemas);
    return { $ref: `#/components/schemas/${m.typeName}` };
  };
  for (const service of services) {
    for (const b of httpBindings(service)) {
      const input = b.method.input;
      const bound = new Set([...b.path.variables, b.body]);
      const parameters: unknown[] = b.path.variables.map((v) => ({ name: v, in: "path", required: true, schema: fieldSchema(fieldByName(input, v), schemas) }));
      if (b.body !== "*") {
        for (const f of input.fields) {
          if (bound.has(f.name) || f.fieldKind === "message" || f.fieldKind === "map") continue;
          parameters.push({ name: f.name, in: "query", required: false, schema: fieldSchema(f, schemas) });
        }
      }
      const op: Record<string, unknown> = {
        operationId: `${service.name}_${b.method.name}`,
        tags: [service.name],
        summary: b.method.name,
        security: [{ bearer: [] }],
        parameters,
        responses: {
          "200": { description: "OK", content: { "application/json": { schema: ref(b.method.output) } } },
          default: { description: "Error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
        },
      };
      if (b.body === "*") op.requestBody = { required: true, content: { "application/json": { schema: ref(input) } } };
      else if (b.body) op.requestBody = { required: true, content: { "application/json": { schema: fieldSchema(fieldByName(input, b.body), schemas) } } };
      (paths[toOpenApiPath(b.path)] ??= {})[b.verb.toLowerCase()] = op;
    }
  }
  return {
    openapi: "3.1.0",
    info,
    paths,
    components: { schemas, securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
  };
}

function fieldByName(m: DescMessage, name: string): DescField {
  const f = m.fields.find((x) => x.name === name);
  if (!f) throw new Error(`${m.typeName} has no field ${name}`);
  return f;
}

function addMessage(m: DescMessage, schemas: Record<string, Schema>): void {
  if (schemas[m.typeName]) return;
  if (m.typeName === "google.protobuf.Timestamp") {
    schemas[m.typeName] = { type: "string", format: "date-time" };
    return;
  }
  const properties: Record<string, unknown> = {};
  schemas[m.typeName] = { type: "object", properties, additionalProperties: false };
  for (const f of m.fields) properties[f.jsonName] = fieldSchema(f, schemas);
}

function fieldSchema(f: DescField, schemas: Record<string, Schema>): Schema {
  switch (f.fieldKind) {
    case "scalar":
      return scalarSchema(f.scalar);
    case "enum":
      return enumSchema(f.enum, schemas);
    case "message":
      addMessage(f.message, schemas);
      return { $ref: `#/components/schemas/${f.message.typeName}` };
    case "list":
      return {
        type: "array",
        items: f.listKind === "scalar" ? scalarSchema(f.scalar) : f.listKind === "enum" ? enumSchema(f.enum, schemas) : (addMessage(f.message, schemas), { $ref: `#/components/schemas/${f.message.typeName}` }),
      };
    case "map":
      return { type: "object", additionalProperties: true };
  }
}

function enumSchema(e: DescEnum, schemas: Record<string, Schema>): Schema {
  schemas[e.typeName] ??= { type: "string", enum: e.values.map((v) => v.name) };
  return { $ref: `#/components/schemas/${e.typeName}` };
}

function scalarSchema(s: ScalarType): Schema {
  switch (s) {
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return { type: "number" };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return { type: "string", pattern: "^-?[0-9]+$", format: "int64" };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: "string", pattern: "^[0-9]+$", format: "uint64" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", minimum: 0, format: "uint32" };
    default:
      return { type: "integer", format: "int32" };
  }
}

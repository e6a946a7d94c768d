import { getOption, hasOption, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { httpRuleExtension, type HttpRule } from "@chat/proto";
import { parsePathTemplate, type PathTemplate } from "./path-template";

export interface HttpBinding {
  method: DescMethod;
  verb: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: PathTemplate;
  // "" = no body, "*" = the whole request, otherwise the request field that takes the body.
  body: string;
}

// Reads the google.api.http annotations (and their additional_bindings) of a service from the
// generated descriptors: the one source of truth for the REST surface.
export function httpBindings(service: DescService): HttpBinding[] {
  const out: HttpBinding[] = [];
  for (const method of service.methods) {
    if (!hasOption(method, httpRuleExtension)) continue;
    const rule = getOption(method, httpRuleExtension);
    for (const r of [rule, ...rule.additionalBindings]) out.push(toBinding(method, r));
  }
  return out;
}

function toBinding(method: DescMethod, rule: HttpRule): HttpBinding {
  const p = rule.pattern;
  switch (p.case) {
    case "get":
    case "put":
    case "post":
    case "patch":
    case "delete":
      return { method, verb: p.case.toUpperCase() as HttpBinding["verb"], path: parsePathTemplate(p.value), body: rule.body };
    default:
      throw new Error(`${method.parent.typeName}.${method.name}: unsupported http pattern ${p.case ?? "(none)"}`);
  }
}

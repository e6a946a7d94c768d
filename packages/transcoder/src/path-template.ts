// google.api.http path templates: literal segments and variables `{field}` or `{field=*}` (one
// segment) / `{field=**}` (the rest). Pure.
export interface PathTemplate {
  template: string;
  regex: RegExp;
  // Request field paths bound to the variables, in order of appearance.
  variables: string[];
}

export function parsePathTemplate(template: string): PathTemplate {
  if (!template.startsWith("/")) throw new Error(`path template must start with '/': ${template}`);
  const variables: string[] = [];
  const parts = template.split("/").slice(1).map((seg) => {
    const v = /^\{([a-z_][a-z0-9_.]*)(?:=(\*\*?))?\}$/i.exec(seg);
    if (!v) {
      if (/[{}]/.test(seg)) throw new Error(`unsupported path segment '${seg}' in ${template}`);
      return escapeRegex(seg);
    }
    variables.push(v[1]);
    return v[2] === "**" ? "(.+)" : "([^/]+)";
  });
  return { template, regex: new RegExp(`^/${parts.join("/")}$`), variables };
}

// Returns the decoded variable values, or undefined if the path does not match.
export function matchPath(t: PathTemplate, path: string): Record<string, string> | undefined {
  const m = t.regex.exec(path);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < t.variables.length; i++) {
    try {
      out[t.variables[i]] = decodeURIComponent(m[i + 1]);
    } catch {
      return undefined;
    }
  }
  return out;
}

// OpenAPI writes the same template with bare `{field}` variables.
export function toOpenApiPath(t: PathTemplate): string {
  return t.template.replace(/\{([^}=]+)(=[^}]*)?\}/g, "{$1}");
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

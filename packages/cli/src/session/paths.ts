import { homedir } from "node:os";
import { join } from "node:path";

// $XDG_CONFIG_HOME/chat, else ~/.config/chat (XDG Base Directory spec).
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith("/") ? env.XDG_CONFIG_HOME : join(homedir(), ".config");
  return join(base, "chat");
}

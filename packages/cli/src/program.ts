import { Command, InvalidArgumentError, Option } from "commander";
import { TokenSource } from "./auth/token-source";
import type { Context } from "./context";
import { DEFAULTS } from "./defaults";
import type { Io } from "./io";
import { configDir } from "./session/paths";
import { SessionStore } from "./session/session-store";
// Types only: the modules themselves load on use (below).
import type { runChats } from "./commands/chats";
import type { runCreate } from "./commands/create";
import type { runLogin } from "./commands/login";
import type { runTail } from "./commands/tail";


const positiveInt = (name: string, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new InvalidArgumentError(`${name} must be a whole number from 0 to ${max}`);
  return n;
};
const collect = (v: string, prev: string[]) => [...prev, v];
// Commands load on use: --help, whoami and bad arguments do not pay for the SDK and the protos.
const commands = {
  login: () => import("./commands/login"),
  logout: () => import("./commands/logout"),
  chats: () => import("./commands/chats"),
  create: () => import("./commands/create"),
  send: () => import("./commands/send"),
  tail: () => import("./commands/tail"),
};

export function buildProgram(io: Io, env: NodeJS.ProcessEnv, signal: AbortSignal): { program: Command; context: () => Context } {
  const program = new Command("chat")
    .description("Chat from the terminal: log in, list and create chats, send, and follow a chat live.")
    .version("0.1.0")
    .option("--config-dir <dir>", "where the session is stored (default: $XDG_CONFIG_HOME/chat or ~/.config/chat)")
    .showHelpAfterError("(run chat --help for usage)")
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();
  // Built lazily so --config-dir (parsed by commander) is honoured.
  const context = (): Context => {
    const store = new SessionStore(program.opts<{ configDir?: string }>().configDir ?? configDir(env));
    return { io, store, tokens: new TokenSource(store, DEFAULTS.resource), signal };
  };

  program
    .command("login")
    .description("log in through the issuer in a browser (Authorization Code + PKCE); prints the URL to open")
    .option("--issuer <url>", "OIDC issuer", DEFAULTS.issuer)
    .option("--api <url>", "chat management API (REST/Connect) base URL", DEFAULTS.apiUrl)
    .option("--ws <url>", "WebSocket endpoint", DEFAULTS.wsUrl)
    .option("--client-id <id>", "OAuth client id registered at the issuer", DEFAULTS.clientId)
    .addOption(new Option("--port <n>", "port for the loopback redirect listener (0 = any free port)").default(0).argParser(positiveInt("--port", 65535)))
    .addOption(new Option("--timeout <seconds>", "give up if the login is not finished in time").default(DEFAULTS.loginTimeoutSec).argParser(positiveInt("--timeout", 3600)))
    .action(async (o: Parameters<typeof runLogin>[1]) => (await commands.login()).runLogin(context(), o));

  program
    .command("logout")
    .description("forget the stored tokens (and revoke the refresh token at the issuer)")
    .action(async () => (await commands.logout()).runLogout(context()));

  program
    .command("whoami")
    .description("print the logged-in user and the servers in use")
    .action(() => {
      const s = context().store.require();
      io.out(`${s.user}\n  issuer ${s.issuer}\n  api    ${s.apiUrl}\n  ws     ${s.wsUrl}`);
    });

  program
    .command("chats")
    .description("list your chats (id, kind, last seq, title)")
    .option("--json", "one JSON object per line")
    .action(async (o: Parameters<typeof runChats>[1]) => (await commands.chats()).runChats(context(), o));

  program
    .command("create")
    .description("create a group chat (or a direct chat with --direct and one --member)")
    .option("--title <title>", "title of the group")
    .option("--member <user>", "a member besides you (repeatable)", collect, [] as string[])
    .option("--direct", "a direct (one-to-one) chat: exactly one --member, no title")
    .action(async (o: Parameters<typeof runCreate>[1]) => (await commands.create()).runCreate(context(), o));

  program
    .command("send")
    .description("send TEXT to CHAT and wait until the server stored it")
    .argument("<chat>", "chat id (see chat chats)")
    .argument("<text...>", "the message; several words are joined with spaces")
    .option("--id <clientMessageId>", "idempotency key: sending again with the same id stores the message once")
    .action(async (chat: string, text: string[], o: { id?: string }) => (await commands.send()).runSend(context(), chat, text.join(" "), o));

  program
    .command("tail")
    .description("print CHAT's recent history, then follow it live (messages, receipts, typing) until ctrl-c")
    .argument("<chat>", "chat id")
    .addOption(new Option("--history <n>", "how many earlier messages to show first").default(20).argParser(positiveInt("--history", 100)))
    .option("--read", "mark what is shown as read (others see a read receipt)")
    .option("--no-follow", "print the history and exit")
    .action(async (chat: string, o: Parameters<typeof runTail>[2]) => (await commands.tail()).runTail(context(), chat, o));

  return { program, context };
}

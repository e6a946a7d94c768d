import { CliError, EXIT } from "../exit-codes";
import type { Context } from "../context";
import { connectOnce, openClient, toCliError } from "../sdk";

const CONNECT_TIMEOUT_MS = 15_000;
const ACK_TIMEOUT_MS = 30_000;

export async function runSend(ctx: Context, chatId: string, text: string, o: { id?: string }): Promise<void> {
  if (text.trim() === "") throw new CliError(EXIT.usage, "the message is empty");
  const client = openClient(ctx);
  try {
    await connectOnce(client, CONNECT_TIMEOUT_MS);
    let timer: NodeJS.Timeout | undefined;
    const ack = await Promise.race([
      client.send(chatId, text, o.id ? { clientMessageId: o.id } : {}),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const id = client.pendingSends()[0]?.clientMessageId;
          reject(new CliError(EXIT.unavailable, `no acknowledgement within ${ACK_TIMEOUT_MS / 1000} s; the message may or may not be stored`, id ? `retry safely with: chat send --id ${id} ${chatId} …` : undefined));
        }, ACK_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    // The seq alone on stdout, for scripts.
    ctx.io.out(String(ack.seq));
    if (ack.duplicate) ctx.io.err(`Already stored earlier as #${ack.seq}.`);
  } catch (e) {
    throw toCliError(e, "sending failed");
  } finally {
    await client.close();
  }
}

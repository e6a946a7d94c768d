import { z } from "zod";

// What `chat login` stores: where the backend is, and the tokens. One user per config dir.
export const sessionSchema = z
  .object({
    version: z.literal(1),
    issuer: z.string().url(),
    clientId: z.string(),
    apiUrl: z.string().url(),
    wsUrl: z.string().url(),
    user: z.string(),
    accessToken: z.string(),
    // Epoch milliseconds.
    expiresAt: z.number(),
    refreshToken: z.string().optional(),
  })
  .strict();

export type Session = z.infer<typeof sessionSchema>;

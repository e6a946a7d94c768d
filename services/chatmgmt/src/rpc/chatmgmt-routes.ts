import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";
import { ChatError } from "@chat/domain";
import { ChatMgmtService } from "@chat/proto";
import { callerKey } from "../auth/user-context";
import type { ChatService } from "../chats/chat-service";

function caller(ctx: HandlerContext): string {
  const id = ctx.values.get(callerKey);
  if (!id) throw new ChatError("unauthenticated", "no verified caller");
  return id.userId;
}

// Thin adapter from the generated service to ChatService; REST and gRPC share it.
export function chatMgmtRoutes(chats: ChatService) {
  return (router: ConnectRouter) =>
    router.service(ChatMgmtService, {
      createChat: (req, ctx) => chats.createChat(caller(ctx), req),
      getChat: (req, ctx) => chats.getChat(caller(ctx), req.chatId),
      listMyChats: (req, ctx) => chats.listMyChats(caller(ctx), req.pageSize, req.pageToken),
      listMembers: async (req, ctx) => ({ members: await chats.listMembers(caller(ctx), req.chatId) }),
      addMember: async (req, ctx) => ({ member: await chats.addMember(caller(ctx), req) }),
      removeMember: async (req, ctx) => {
        await chats.removeMember(caller(ctx), req);
        return {};
      },
      updateMemberRole: async (req, ctx) => ({ member: await chats.updateMemberRole(caller(ctx), req) }),
      getMessageHistory: (req, ctx) => chats.history(caller(ctx), req),
      getReceipts: async (req, ctx) => ({ receipts: await chats.receipts(caller(ctx), req.chatId) }),
    });
}

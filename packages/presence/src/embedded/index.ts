export { createEmbeddedPresence, EmbeddedPresence } from "./embedded-presence";

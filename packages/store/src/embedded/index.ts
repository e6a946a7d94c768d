export { createEmbeddedStore, EmbeddedStore } from "./embedded-store";

import { b } from "./no-circular-b";
export const a = () => b;

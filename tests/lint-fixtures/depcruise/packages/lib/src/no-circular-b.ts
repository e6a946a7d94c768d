import { a } from "./no-circular-a";
export const b = () => a;

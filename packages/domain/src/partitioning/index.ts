export { murmur2 } from "./murmur2";
export { partitionFor } from "./partition-for";

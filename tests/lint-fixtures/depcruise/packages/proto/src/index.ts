export const proto = 1;

export const dynamodb = 1;

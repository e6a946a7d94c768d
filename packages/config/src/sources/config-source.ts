// A place configuration values come from besides the environment (AWS SSM Parameter Store,
// AWS Secrets Manager). Read once at startup; keys are CHAT_* variable names, values strings,
// validated afterwards by the same zod schema as the environment.
export interface ConfigSource {
  // Named in error messages, e.g. "SSM /chat/prod/".
  readonly name: string;
  load(): Promise<Record<string, string>>;
}

export interface AwsClientOptions {
  region: string;
  // Only for AWS-compatible test servers (moto); unset in AWS.
  endpoint?: string;
}

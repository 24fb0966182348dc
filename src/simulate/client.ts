// The simulator's client: plain HTTP (Node's fetch) speaking Azure Personalizer's v1.0 REST API, as any
// application would — Rank (Azure spec operation Rank), Reward (Events_Reward), the service and policy
// configurations (ServiceConfiguration_Get/Update, Policy_Update) and the model (Model_Get), read only to know
// how many events it has learned (gd's example counter in VW's save_load, engine/model_file.ts).
import { readModel } from '../engine/index.js';

export class PersonalizerHttpError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly code: string | undefined,
    detail: string,
  ) {
    super(status === 0 ? `${operation}: ${detail}` : `${operation}: HTTP ${status}${code ? ` ${code}` : ''}: ${detail}`);
  }
}

export interface RankAnswer {
  eventId: string;
  rewardActionId: string;
  ranking: { id: string; probability: number }[];
}

export interface ServiceConfiguration {
  rewardWaitTime: string;
  modelExportFrequency: string;
  rewardAggregation: string;
  learningMode?: string;
  [key: string]: unknown;
}

/** `http://host:5000` (the API's base path is added) or a URL that already ends in `/personalizer/v1.0`. */
export function apiBase(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/personalizer\/v[^/]+$/.test(trimmed) ? trimmed : `${trimmed}/personalizer/v1.0`;
}

export class PersonalizerClient {
  readonly base: string;

  constructor(
    url: string,
    private readonly key: string,
  ) {
    this.base = apiBase(url);
  }

  private async call(operation: string, method: string, path: string, body?: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers: {
          'Ocp-Apim-Subscription-Key': this.key,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new PersonalizerHttpError(operation, 0, cause?.code, `cannot reach ${this.base} (${cause?.message ?? (e as Error).message})`);
    }
    if (response.ok) return response;
    const text = await response.text();
    let code: string | undefined;
    let message = text.slice(0, 300);
    try {
      const error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
      code = error?.code;
      message = error?.message ?? message;
    } catch {
      // not Azure's error shape: the text as it is
    }
    throw new PersonalizerHttpError(operation, response.status, code, message);
  }

  async rank(body: { contextFeatures: object[]; actions: object[]; eventId: string }): Promise<RankAnswer> {
    return (await (await this.call('Rank', 'POST', '/rank', body)).json()) as RankAnswer;
  }

  async reward(eventId: string, value: number): Promise<void> {
    await (await this.call('Reward', 'POST', `/events/${encodeURIComponent(eventId)}/reward`, { value })).arrayBuffer();
  }

  async serviceConfiguration(): Promise<ServiceConfiguration> {
    return (await (await this.call('ServiceConfiguration_Get', 'GET', '/configurations/service')).json()) as ServiceConfiguration;
  }

  async updateServiceConfiguration(c: ServiceConfiguration): Promise<ServiceConfiguration> {
    return (await (await this.call('ServiceConfiguration_Update', 'PUT', '/configurations/service', c)).json()) as ServiceConfiguration;
  }

  async updatePolicy(name: string, args: string): Promise<void> {
    await (await this.call('Policy_Update', 'PUT', '/configurations/policy', { name, arguments: args })).arrayBuffer();
  }

  /** Events the model that ranks has learned (its save-resume example counter); undefined if it does not say. */
  async learnedEvents(): Promise<bigint | undefined> {
    const bytes = new Uint8Array(await (await this.call('Model_Get', 'GET', '/model')).arrayBuffer());
    try {
      return readModel(bytes).resume?.exampleNumber;
    } catch {
      return undefined; // not a VW model this engine reads: the caller cannot wait on it
    }
  }
}

/**
 * One typed way to call the server extension, with its error messages kept.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** A refusal from the server, with the message it gave. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string
  ) {
    super(message);
  }
}

/**
 * Call /nbctl/api/<endpoint> and return its JSON body.
 *
 * ServerConnection adds the token and the XSRF header.
 */
export async function requestAPI<T>(
  endpoint: string,
  init: RequestInit = {}
): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'nbctl', 'api', endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ApiError(0, `The Jupyter server cannot be reached: ${error}`);
  }
  const text = await response.text();
  let body: any = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = { message: text };
    }
  }
  if (!response.ok) {
    throw new ApiError(
      response.status,
      body?.message || response.statusText || `HTTP ${response.status}`,
      body?.reason
    );
  }
  return body as T;
}

/** POST a JSON body. */
export function post<T>(endpoint: string, body?: unknown): Promise<T> {
  return requestAPI<T>(endpoint, {
    method: 'POST',
    body: body === undefined ? '{}' : JSON.stringify(body)
  });
}

// GraphQL over HTTP, and the errors the API answers with. The session cookie carries the
// token; the X-Giaoviec-Csrf header lets it through.

export class ApiError extends Error {
  constructor(error) {
    super(error.message);
    this.code = error.extensions?.code;
    this.fields = error.extensions?.fields || [];
  }
}

// `signal` aborts the request when the navigation that asked is left (navigation.js).
// A request that cannot do a thing twice says so (`Idempotency-Key`): the proxy sends it again
// to the other API when the one holding it dies (haproxy_config.py) — a query, or a mutation
// carrying its clientKey. Any other mutation is never replayed.
export async function gql(query, variables = {}, signal = undefined) {
  const headers = { "Content-Type": "application/json", "X-Giaoviec-Csrf": "1" };
  const clientKey = variables?.clientKey ?? variables?.input?.clientKey;
  if (/^\s*(query\b|\{)/.test(query)) headers["Idempotency-Key"] = crypto.randomUUID();
  else if (typeof clientKey === "string") headers["Idempotency-Key"] = clientKey;
  const response = await fetch("/graphql", {
    method: "POST",
    credentials: "same-origin",
    headers,
    body: JSON.stringify({ query, variables }),
    signal,
  });
  const body = await response.json();
  if (body.errors?.length) {
    const err = new ApiError(body.errors[0]);
    if (err.code === "UNAUTHENTICATED") window.location.assign("/dang-nhap");
    throw err;
  }
  return body.data;
}

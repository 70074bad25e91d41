/** What /api/auth answers on refusal. */
export type AuthError = { field?: string; message: string };

/** POSTs JSON to a signed-out /api/auth route: its answer, or its refusal (`{ error }`). */
export const postAuth = async <Result>({
  path,
  body,
}: {
  path: string;
  body: unknown;
}): Promise<{ result: Result; error?: undefined } | { result?: undefined; error: AuthError }> => {
  try {
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json().catch(() => undefined)) as { error?: AuthError } | undefined;
    if (!response.ok) return { error: answer?.error ?? { message: `refused (HTTP ${response.status})` } };
    return { result: answer as Result };
  } catch (failure) {
    return { error: { message: `the control plane did not answer: ${String(failure)}` } };
  }
};

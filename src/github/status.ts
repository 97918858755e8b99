// The HTTP status of a failed GitHub request (Octokit's RequestError carries it).

export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** True for an Octokit RequestError with this status. */
export function hasStatus(error: unknown, status: number): boolean {
  return statusOf(error) === status;
}

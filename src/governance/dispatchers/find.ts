// Bounded pagination for finding the bot's own comments and issues by their marker.
export const MAX_PAGES = 10;
export const PER_PAGE = 100;

export async function findPaged<T>(fetchPage: (page: number) => Promise<T[]>, match: (item: T) => boolean, maxPages = MAX_PAGES): Promise<T | undefined> {
  for (let page = 1; page <= maxPages; page++) {
    const items = await fetchPage(page);
    const found = items.find(match);
    if (found !== undefined) return found;
    if (items.length < PER_PAGE) return undefined;
  }
  return undefined;
}

export function withMarker(body: string, marker: string): string {
  return body.includes(marker) ? body : `${body}\n\n${marker}`;
}

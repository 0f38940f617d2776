/**
 * The in-app path to return to after sign-in, or "/" for anything that could
 * leave the portal (absolute URLs, protocol-relative `//host`, backslashes).
 */
export function safeRedirect(target: string | undefined | null): string {
  if (!target || !target.startsWith('/') || target.startsWith('//') || target.includes('\\')) return '/'
  if (target.startsWith('/sign-in') || target.startsWith('/sign-up')) return '/'
  return target
}

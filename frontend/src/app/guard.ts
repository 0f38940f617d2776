import type { ParsedLocation } from '@tanstack/react-router'
import { redirect } from '@tanstack/react-router'
import { isUnauthorized } from '@/api/problem'
import { meQueryOptions, type Me } from '@/features/auth/api/get-me'
import type { RouterContext } from './routes/__root'

type SignedInMe = Me & { user: NonNullable<Me['user']> }

/**
 * The signed-in operator, or a redirect to sign-in that comes back here.
 * An API token's identity (no user) cannot use the portal either.
 */
export async function requireSession(context: RouterContext, location: ParsedLocation): Promise<SignedInMe> {
  const toSignIn = () => redirect({ to: '/sign-in', search: { redirect: location.href } })
  let me: Me
  try {
    me = await context.queryClient.ensureQueryData(meQueryOptions())
  } catch (error) {
    if (isUnauthorized(error)) throw toSignIn()
    throw error
  }
  if (!me.user) throw toSignIn()
  return { ...me, user: me.user }
}

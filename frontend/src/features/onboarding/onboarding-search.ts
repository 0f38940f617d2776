import { z } from '@/lib/zod'

export const onboardingSteps = [
  { step: 1, title: 'Connect Channel', description: 'Slack or WhatsApp' },
  { step: 2, title: 'Configure Agent', description: 'Who answers' },
  { step: 3, title: 'Test Message', description: 'Go live' },
] as const

export type Step = 1 | 2 | 3

/**
 * The wizard's URL: `?step=` (anything else falls back to 1), plus what
 * Slack's OAuth callback appends when it sends the browser back
 * (`connected=true&channel=slack`, or `error=slack_auth_failed` /
 * `slack_workspace_taken`). Those are read once and then removed.
 */
export const onboardingSearchSchema = z.object({
  step: z.coerce.number().pipe(z.union([z.literal(1), z.literal(2), z.literal(3)])).catch(1),
  // The router parses `connected=true` as the boolean true.
  connected: z.coerce.string().pipe(z.literal('true')).optional().catch(undefined),
  channel: z.enum(['slack', 'whatsapp']).optional().catch(undefined),
  error: z.string().max(100).optional().catch(undefined),
})

export type OnboardingSearch = z.infer<typeof onboardingSearchSchema>

export interface Progress {
  /** A channel is connected (active). */
  channel: boolean
  /** An active agent exists. */
  agent: boolean
  /** A test message went out successfully. */
  tested: boolean
}

/** The furthest step the operator may see: no step before its earlier steps are done. */
export function maxStep(p: Progress): Step {
  if (!p.channel) return 1
  if (!p.agent) return 2
  return 3
}

/** The step to show for the one asked for. */
export function resolveStep(requested: Step, p: Progress): Step {
  return Math.min(requested, maxStep(p)) as Step
}

export type StepState = 'complete' | 'active' | 'pending'

export function stepState(step: Step, current: Step, p: Progress): StepState {
  if (step === current) return 'active'
  const done = step === 1 ? p.channel : step === 2 ? p.agent : p.tested
  return done ? 'complete' : 'pending'
}

/** What a Slack return means, in words an operator can act on. */
export function slackReturnError(code: string): string {
  switch (code) {
    case 'slack_workspace_taken':
      return 'That Slack workspace is already connected to another Konstruct workspace. Disconnect it there first, or choose another Slack workspace.'
    case 'slack_auth_failed':
      return 'Slack didn’t finish the installation: it was cancelled, took longer than 10 minutes, or was started by someone else. Try “Add to Slack” again.'
    default:
      return 'Connecting Slack failed. Try “Add to Slack” again.'
  }
}

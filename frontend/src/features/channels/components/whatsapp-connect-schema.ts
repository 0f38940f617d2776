import type { FieldPath } from 'react-hook-form'
import { z } from '@/lib/zod'

const digits = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `Enter the ${what}`)
    .regex(/^[0-9]{5,30}$/, `The ${what} is 5 to 30 digits, nothing else`)

export const whatsAppConnectSchema = z.object({
  phone_number_id: digits('Phone Number ID'),
  waba_id: digits('WhatsApp Business Account ID'),
  system_user_token: z.string().trim().min(20, 'A System User token is at least 20 characters').max(1000, 'At most 1,000 characters'),
})

export type WhatsAppConnectValues = z.infer<typeof whatsAppConnectSchema>

export function whatsAppFieldFor(path: string): FieldPath<WhatsAppConnectValues> | undefined {
  return path === 'phone_number_id' || path === 'waba_id' || path === 'system_user_token' ? path : undefined
}

/** The recipient of a WhatsApp test message, in international format. */
export const testRecipientSchema = z.object({
  to: z
    .string()
    .trim()
    .transform((v) => v.replace(/[\s()-]/g, ''))
    .pipe(z.string().regex(/^\+?[0-9]{6,20}$/, 'Enter the number in international format, e.g. +16505551234')),
})

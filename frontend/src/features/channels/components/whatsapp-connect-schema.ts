import type { FieldPath } from 'react-hook-form'
import { z } from '@/lib/zod'
import { required, rule } from '@/api/contract-rules'
import { zTestMessageRequest, zWhatsAppConnect } from '@/api/zod.gen'

const W = zWhatsAppConnect.shape

const digits = (contract: typeof W.waba_id, what: string) =>
  z.string().trim().min(1, `Enter the ${what}`).pipe(rule(contract, { format: `The ${what} is 5 to 30 digits, nothing else` }))

export const whatsAppConnectSchema = z.object({
  phone_number_id: digits(W.phone_number_id, 'Phone Number ID'),
  waba_id: digits(W.waba_id, 'WhatsApp Business Account ID'),
  system_user_token: rule(W.system_user_token, { tooSmall: 'A System User token is at least 20 characters' }, { trim: true }),
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
    .pipe(rule(required(zTestMessageRequest.shape.to), { format: 'Enter the number in international format, e.g. +16505551234' })),
})

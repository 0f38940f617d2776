import { zodResolver } from '@hookform/resolvers/zod'
import { Send } from 'lucide-react'
import { useForm } from 'react-hook-form'
import { toast } from '@/lib/toast'
import { Button } from '@/components/ui/button'
import { Field } from '@/components/ui/field'
import { Textarea } from '@/components/ui/input'
import { InlineError } from '@/components/ui/inline-error'
import { sameNames } from '@/lib/form-problem'
import { reportFormError } from '@/lib/notify'
import { z } from '@/lib/zod'
import { rule } from '@/api/contract-rules'
import { zHumanReply } from '@/api/zod.gen'
import { useSendHumanReply } from '../api/send-human-reply'

export const humanReplySchema = z.object({
  text: rule(zHumanReply.shape.text, { required: 'Write a reply' }, { trim: true }),
})
type HumanReplyValues = z.infer<typeof humanReplySchema>

/** Answers the chat user as a person while the conversation is handed over. */
export function HumanReplyForm({ tenantId, conversationId }: { tenantId: string; conversationId: string }) {
  const form = useForm<HumanReplyValues>({ resolver: zodResolver(humanReplySchema), defaultValues: { text: '' } })
  const send = useSendHumanReply(tenantId, conversationId, {
    onSuccess: () => {
      form.reset({ text: '' })
      toast.success('Reply sent')
    },
    onError: (error) => reportFormError(error, form.setError, sameNames<HumanReplyValues>(['text'])),
  })
  return (
    <form noValidate aria-label="Reply as a human" onSubmit={form.handleSubmit((v) => send.mutate(v.text))} className="space-y-3">
      <Field label="Your reply" hint="Sent in the same chat, signed with your name." error={form.formState.errors.text?.message}>
        <Textarea rows={3} {...form.register('text')} />
      </Field>
      <InlineError error={form.formState.errors.root?.message} />
      <div className="flex justify-end">
        <Button type="submit" pending={send.isPending}>
          {!send.isPending && <Send className="size-4" aria-hidden />} Send reply
        </Button>
      </div>
    </form>
  )
}

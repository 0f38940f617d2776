import { zodResolver } from '@hookform/resolvers/zod'
import { UserPlus } from 'lucide-react'
import { useState } from 'react'
import { Controller, useForm } from 'react-hook-form'
import { toast } from '@/lib/toast'
import { z } from '@/lib/zod'
import { rule } from '@/api/contract-rules'
import { zMemberCreate } from '@/api/zod.gen'
import { RoleSelect } from '@/components/role-select'
import { Button, buttonClass } from '@/components/ui/button'
import { Dialog, DialogClose, DialogContent, DialogFooter, DialogTrigger } from '@/components/ui/dialog'
import { Field } from '@/components/ui/field'
import { Input } from '@/components/ui/input'
import { InlineError } from '@/components/ui/inline-error'
import { sameNames } from '@/lib/form-problem'
import { reportFormError } from '@/lib/notify'
import { hasRole, type Role } from '@/lib/roles'
import { useAddMember } from '../api/add-member'
import type { Member } from '../api/get-members'
import { InviteLink } from './invite-link'

export const addMemberSchema = z.object({
  email: rule(zMemberCreate.shape.email, { format: 'Enter a valid email address' }, { trim: true }),
  role: zMemberCreate.shape.role,
})
type AddMemberValues = z.infer<typeof addMemberSchema>

export function AddMemberDialog({ tenantId, callerRole }: { tenantId: string; callerRole: Role }) {
  const [open, setOpen] = useState(false)
  // The invitation just made, when its link is to be passed on by hand.
  const [invited, setInvited] = useState<Member | null>(null)
  const form = useForm<AddMemberValues>({ resolver: zodResolver(addMemberSchema), defaultValues: { email: '', role: 'member' } })
  const { errors } = form.formState
  const add = useAddMember(tenantId, {
    onSuccess: (member) => {
      form.reset()
      if (member.invite_emailed || !member.invite_url) {
        toast.success(`Invitation emailed to ${member.email}`)
        setOpen(false)
        return
      }
      setInvited(member)
    },
    onError: (error) => reportFormError(error, form.setError, sameNames<AddMemberValues>(['email', 'role'])),
  })
  const onOpenChange = (next: boolean) => {
    setOpen(next)
    if (!next) setInvited(null)
  }
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger className={buttonClass('primary')}>
        <UserPlus className="size-4" aria-hidden /> Add member
      </DialogTrigger>
      <DialogContent
        title="Add a member"
        description="Everyone joins by invitation: they get a link, sign in with this email (or create an account), and accept."
      >
        {invited?.invite_url ? (
          <div className="space-y-4">
            <p className="text-sm text-zinc-700">
              Invitation created. This platform sends no email, so send {invited.email} this link yourself.
            </p>
            <InviteLink url={invited.invite_url} expiresAt={invited.invite_expires_at} email={invited.email} />
            <DialogFooter>
              <DialogClose className={buttonClass('primary')} type="button">
                Done
              </DialogClose>
            </DialogFooter>
          </div>
        ) : (
          <form noValidate onSubmit={form.handleSubmit((v) => add.mutate(v))} className="space-y-4">
            <Field label="Email" error={errors.email?.message}>
              <Input type="email" autoFocus autoComplete="off" {...form.register('email')} />
            </Field>
            <Controller
              control={form.control}
              name="role"
              render={({ field }) => (
                <Field label="Role" error={errors.role?.message}>
                  <RoleSelect ref={field.ref} value={field.value} onValueChange={field.onChange} allowed={(r) => hasRole(callerRole, r)} />
                </Field>
              )}
            />
            <InlineError error={errors.root?.message} />
            <DialogFooter>
              <DialogClose className={buttonClass('secondary')} type="button">
                Cancel
              </DialogClose>
              <Button type="submit" pending={add.isPending}>
                Add member
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  )
}

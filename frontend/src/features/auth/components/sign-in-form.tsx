import { zodResolver } from '@hookform/resolvers/zod'
import { useForm } from 'react-hook-form'
import { problemMessage } from '@/api/problem'
import { Button } from '@/components/ui/button'
import { Field } from '@/components/ui/field'
import { Input } from '@/components/ui/input'
import { useSignIn } from '../api/sign-in'
import { FormAlert } from './auth-card'
import { signInSchema, type SignInValues } from './auth-schemas'

export function SignInForm({ onSignedIn }: { onSignedIn: () => void }) {
  const form = useForm<SignInValues>({ resolver: zodResolver(signInSchema), defaultValues: { email: '', password: '' } })
  const { errors } = form.formState
  // A wrong password or throttling is about the whole form, not one field.
  const signIn = useSignIn({
    onSuccess: onSignedIn,
    onError: (error) => form.setError('root', { message: problemMessage(error) }),
  })
  return (
    <form noValidate className="space-y-4" onSubmit={form.handleSubmit((values) => signIn.mutate(values))}>
      <FormAlert message={errors.root?.message} />
      <Field label="Email" error={errors.email?.message}>
        <Input type="email" autoComplete="email" autoFocus {...form.register('email')} />
      </Field>
      <Field label="Password" error={errors.password?.message}>
        <Input type="password" autoComplete="current-password" {...form.register('password')} />
      </Field>
      <Button type="submit" className="w-full" pending={signIn.isPending}>
        Sign in
      </Button>
    </form>
  )
}

import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { json, mockFetch, problem, renderWithQuery } from '@/testing/render'
import { SignUpForm } from './sign-up-form'

async function fill(user: ReturnType<typeof userEvent.setup>, password = 'correct horse battery') {
  await user.type(screen.getByLabelText('Your name'), 'Ada Lovelace')
  await user.type(screen.getByLabelText('Work email'), 'ada@example.com')
  await user.type(screen.getByLabelText('Password'), password)
}

describe('SignUpForm', () => {
  it('explains a short password before asking the server', async () => {
    const { fetch } = mockFetch()
    const user = userEvent.setup()
    renderWithQuery(<SignUpForm onSignedUp={vi.fn()} />)
    await fill(user, 'short')
    await user.click(screen.getByRole('button', { name: 'Create account' }))
    expect(await screen.findByText('At least 10 characters')).toBeInTheDocument()
    expect(fetch).not.toHaveBeenCalled()
  })

  it('shows a 409 above the form and leaves out an empty company', async () => {
    const { requests } = mockFetch(problem(409, 'An account with this email already exists.'))
    const user = userEvent.setup()
    renderWithQuery(<SignUpForm onSignedUp={vi.fn()} />)
    await fill(user)
    await user.click(screen.getByRole('button', { name: 'Create account' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('An account with this email already exists.')
    expect(requests[0]?.body).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com', password: 'correct horse battery' })
  })

  it('signs up and caches who the user is', async () => {
    const me = { user: { id: 'u1', email: 'ada@example.com', name: 'Ada', is_platform_admin: false, created_at: '' }, memberships: [] }
    mockFetch(json(201, me))
    const onSignedUp = vi.fn()
    const user = userEvent.setup()
    const { queryClient } = renderWithQuery(<SignUpForm onSignedUp={onSignedUp} />)
    await fill(user)
    await user.click(screen.getByRole('button', { name: 'Create account' }))
    await waitFor(() => expect(onSignedUp).toHaveBeenCalled())
    expect(queryClient.getQueryData(['me'])).toEqual(me)
  })
})

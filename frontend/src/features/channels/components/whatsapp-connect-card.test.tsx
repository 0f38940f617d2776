import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { json, mockFetch, problem, renderWithQuery } from '@/testing/render'
import { WhatsAppConnectCard } from './whatsapp-connect-card'

const tenantId = '7d6b7f5e-1e43-4c43-9c55-8cc5c0f3a001'

async function open() {
  const user = userEvent.setup()
  const onConnected = vi.fn()
  renderWithQuery(<WhatsAppConnectCard tenantId={tenantId} onConnected={onConnected} />)
  const toggle = screen.getByRole('button', { name: /Connect WhatsApp/ })
  expect(toggle).toHaveAttribute('aria-expanded', 'false')
  await user.click(toggle)
  expect(toggle).toHaveAttribute('aria-expanded', 'true')
  // The form loads when the card opens.
  await screen.findByRole('form', { name: 'Connect WhatsApp' })
  return { user, onConnected }
}

async function fill(user: ReturnType<typeof userEvent.setup>, phone: string, waba: string, token: string) {
  if (phone) await user.type(screen.getByLabelText('Phone Number ID'), phone)
  if (waba) await user.type(screen.getByLabelText('WhatsApp Business Account ID'), waba)
  if (token) await user.type(screen.getByLabelText('System User Token'), token)
  await user.click(screen.getByRole('button', { name: 'Connect number' }))
}

describe('WhatsApp connect form', () => {
  it('says why it is unavailable instead of offering a connection', () => {
    mockFetch()
    renderWithQuery(<WhatsAppConnectCard tenantId={tenantId} onConnected={vi.fn()} unavailable="The Meta app secret is not set." />)
    expect(screen.queryByRole('button', { name: /Connect WhatsApp/ })).toBeNull()
    expect(screen.getByText('The Meta app secret is not set.')).toBeInTheDocument()
  })

  it('expands to the instructions and validates before sending anything', async () => {
    const { fetch } = mockFetch()
    const { user } = await open()
    expect(screen.getByText(/System Users/)).toBeInTheDocument()
    await fill(user, '12ab', '', 'short')
    expect(await screen.findByText('The Phone Number ID is 5 to 30 digits, nothing else')).toBeInTheDocument()
    expect(screen.getByLabelText('WhatsApp Business Account ID')).toHaveAccessibleDescription('Enter the WhatsApp Business Account ID')
    expect(screen.getByLabelText('System User Token')).toHaveAttribute('aria-invalid', 'true')
    expect(screen.getByLabelText('System User Token')).toHaveAttribute('type', 'password')
    expect(fetch).not.toHaveBeenCalled()
  })

  it('puts Meta’s refusal (a 422) on the token field', async () => {
    const { requests } = mockFetch(
      problem(422, 'The WhatsApp credentials are not valid.', [
        { location: 'body.system_user_token', message: 'Meta rejected the token (Invalid OAuth access token)' },
      ]),
    )
    const { user, onConnected } = await open()
    await fill(user, '106540352242922', '102290129340398', 'EAAG-wrong-token-0123456789')
    const token = screen.getByLabelText('System User Token')
    await waitFor(() => expect(token).toHaveAttribute('aria-invalid', 'true'))
    expect(token).toHaveAccessibleDescription(/Meta rejected the token \(Invalid OAuth access token\)/)
    expect(screen.getByLabelText('Phone Number ID')).not.toHaveAttribute('aria-invalid')
    expect(onConnected).not.toHaveBeenCalled()
    expect(requests[0]).toMatchObject({
      method: 'POST',
      url: 'http://localhost:3000/api/portal/channels/whatsapp/connect',
      body: { tenant_id: tenantId, phone_number_id: '106540352242922', waba_id: '102290129340398', system_user_token: 'EAAG-wrong-token-0123456789' },
    })
  })

  it('hands the new connection back', async () => {
    const conn = { id: 'c1', type: 'whatsapp', display_name: '+1 555-0100' }
    mockFetch(json(201, conn), json(200, { items: [conn], next_cursor: null }))
    const { user, onConnected } = await open()
    await fill(user, '106540352242922', '102290129340398', 'EAAG-right-token-0123456789')
    await waitFor(() => expect(onConnected).toHaveBeenCalledWith(conn))
  })
})

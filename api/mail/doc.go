// Package mail sends the platform's email: today, invitations. Mail leaves
// through an SMTP server named by SMTP_URL (STARTTLS or implicit TLS
// required; plain text only to a relay on the loopback interface). Messages
// are sent from River jobs (the outbox), never inside a request: a slow or
// failing mail server delays an invitation email, not the API, and River
// retries it.
//
// Without SMTP_URL nothing is sent; the invitation link is shown to the
// tenant's admins to pass on instead.
package mail

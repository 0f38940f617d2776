// Package conversations owns conversations (a Slack thread or a WhatsApp chat
// with one person) and their messages: the durable record of what chat users
// said and what was answered. Receive is the write path of every inbound
// message: find or create the conversation, insert the message once however
// often the channel delivers it, all inside the caller's tenant transaction.
package conversations

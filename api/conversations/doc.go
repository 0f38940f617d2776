// Package conversations owns conversations (a Slack thread or a WhatsApp chat
// with one person) and their messages: the durable record of what chat users
// said and what was answered. Receive is the write path of every inbound
// message: find or create the conversation, insert the message once however
// often the channel delivers it, all inside the caller's tenant transaction.
//
// Each message records its person (participant_id): the speaker of a user
// message, the one person a reply answers (Speaker). The conversation's own
// participant is only who started it; in a shared Slack thread the others
// who speak are people of their own.
package conversations

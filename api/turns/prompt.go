package turns

import (
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/konstruct/konstruct/api/agents"
	"github.com/konstruct/konstruct/api/conversations"
	"github.com/konstruct/konstruct/api/llm"
)

// DisclosureClause is added to every agent's instructions, last, whatever the
// persona says: chat users are always told the truth when they ask.
const DisclosureClause = "You are an AI assistant, not a human being. Whenever anyone asks whether they are talking " +
	"to a person, a bot or an AI, say clearly and truthfully that you are an AI assistant. Never claim or imply that you are human."

// System builds an agent's instructions for a channel ("" for previews).
func System(a *agents.Agent, tenantName, channel string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "You are %s", a.Name)
	if a.RoleTitle != "" {
		fmt.Fprintf(&b, ", %s", a.RoleTitle)
	}
	if tenantName != "" {
		fmt.Fprintf(&b, " at %s", tenantName)
	}
	b.WriteString(".\n")
	if a.Persona != "" {
		b.WriteString("\n" + strings.TrimSpace(a.Persona) + "\n")
	}
	if a.SystemPrompt != "" {
		b.WriteString("\n" + strings.TrimSpace(a.SystemPrompt) + "\n")
	}
	switch channel {
	case "slack":
		b.WriteString("\nYou are chatting in Slack. Slack mrkdwn (*bold*, _italic_, bullet lists) is fine; avoid tables and headings.")
	case "whatsapp":
		b.WriteString("\nYou are chatting on WhatsApp. Write plain conversational text; *bold* and _italic_ work, nothing else does.")
	}
	fmt.Fprintf(&b, " Keep each reply under %d characters.\n", a.MaxReplyChars)
	b.WriteString("\n" + DisclosureClause)
	return b.String()
}

// maxTokens leaves room for the agent's longest reply (about three
// characters a token, with a margin).
func maxTokens(a *agents.Agent) int { return a.MaxReplyChars/3 + 64 }

// Window turns the conversation's recent messages into the model's messages,
// with the images of the messages that have them (and notes for images that
// could not be opened). An operator's messages are shown as the assistant
// side, marked, so the agent knows what a human colleague already said.
func Window(msgs []conversations.Message, images map[uuid.UUID][]llm.Image, notes map[uuid.UUID][]string) []llm.Message {
	out := make([]llm.Message, 0, len(msgs))
	for _, m := range msgs {
		switch m.Role {
		case conversations.RoleUser:
			text := userText(m, len(images[m.ID]) > 0)
			for _, n := range notes[m.ID] {
				text = strings.TrimSpace(text + "\n" + n)
			}
			out = append(out, llm.Message{Role: llm.RoleUser, Text: text, Images: images[m.ID]})
		case conversations.RoleAssistant:
			if m.Body != "" {
				out = append(out, llm.Message{Role: llm.RoleAssistant, Text: m.Body})
			}
		case conversations.RoleHuman:
			out = append(out, llm.Message{Role: llm.RoleAssistant, Text: "(A human colleague wrote:) " + m.Body})
		}
	}
	return out
}

// userText describes what the user sent. Images the model sees as image
// parts are not described; other attachments (audio, video, documents…) are.
func userText(m conversations.Message, imagesAttached bool) string {
	text := m.Body
	for _, a := range m.Attachments {
		if imagesAttached && (a.Kind == "image" || a.Kind == "sticker") {
			continue
		}
		desc := "a " + a.Kind
		if a.Name != "" {
			desc += " named " + a.Name
		}
		if a.MimeType != "" {
			desc += " (" + a.MimeType + ")"
		}
		text = strings.TrimSpace(text + "\n[The user sent " + desc + ".]")
	}
	return text
}

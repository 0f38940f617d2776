package conversations

// TurnState is a conversation as a turn finds it under its lock (QueueLockForTurn).
type TurnState struct {
	Conversation *Conversation
	// Mine is the turn's own record (the assistant message of its job), if
	// an earlier attempt wrote it.
	Mine *Message
	// InFlight: another turn of the conversation is writing its reply.
	InFlight bool
	// Pending are the user messages after the conversation's last answer
	// (by another turn, or by a person), oldest first.
	Pending []Message
}

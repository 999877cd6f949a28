// What the agent namespace sends the console (docs/protocol.md), as far as the console reads it. Each type
// keeps an index signature: the protocol only ever adds fields.

interface LiveChatVisitor {
  id: string;
  name?: string | null;
  email?: string | null;
  online?: boolean;
  listed?: boolean;
  returning?: boolean;
  visit_count?: number;
  last_seen_at?: string;
  updated_at?: string;
  timezone?: string | null;
  current_url?: string | null;
  current_title?: string | null;
  answers?: { label: string; value: string }[];
  [field: string]: any;
}

interface LiveChatConversation {
  id: string;
  status: string;
  visitor?: LiveChatVisitor | null;
  assigned_agent_id?: string | null;
  assigned_agent_name?: string | null;
  last_seq?: number;
  last_message?: { sender: string; author?: string | null; body: string } | null;
  updated_at?: string;
  created_at?: string;
  tags?: string[];
  rating?: number | null;
  rating_comment?: string | null;
  chat_number?: number;
  left_message?: boolean;
  [field: string]: any;
}

interface LiveChatAgent {
  id: string;
  name: string;
  status: string;
}

import type { ChatMessage } from '@papo/client';
import { createContext, useContext } from 'react';
import type { MessageAction } from '../lib/message-actions';

/** What a bubble's controls do, given by the conversation (one object for every bubble, so none re-renders). */
export type MessageHandlers = {
  action: (action: Exclude<MessageAction, 'react'>, message: ChatMessage) => void;
  /** `''` removes the user's reaction. */
  react: (message: ChatMessage, emoji: string) => void;
  /** The quote of a reply was clicked: show the quoted message. */
  showQuoted: (messageId: number) => void;
  /** A photo was clicked: the full-screen viewer, at it. */
  showMedia: (message: ChatMessage) => void;
  /** Who reacted with what. */
  showReactions: (message: ChatMessage) => void;
  /** Names for quotes, mentions and reactions. */
  nameOf: (userId: string) => string;
};

export const MessageHandlersContext = createContext<MessageHandlers | null>(null);

export function useMessageHandlers(): MessageHandlers | null {
  return useContext(MessageHandlersContext);
}

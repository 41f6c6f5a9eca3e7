#!/usr/bin/env node
// A diagnostic, never a way to run Papo: this build's server with the send script answered inside the worker
// instead of by Redis. Everything else is Papo's own path (the frame parsed and validated, the handler, the
// script call built, the ack, the event through the hub and framed once, the writes batched per turn); what
// it leaves out is the Redis round trip of a send: the command written (waking Redis), its reply and the
// published event read on two connections, and the turn the worker sleeps waiting for them. Measured beside
// the real build and the bare `ws` server, it splits Papo's CPU per delivery into its own work and the
// store's round trip (bench/README.md):
//   node bench/run.mjs --scenario cpu --targets papo1,papolocal,ceiling --cpu-rounds 4
// Logins, joins and everything but sends still go to Redis. Message ids are counted per chat here, from 1:
// right for the bench's chats, which are new.
import { Redis } from 'ioredis';

/** send-message-counted.lua is the only script with six KEYS (its EVAL/EVALSHA's second argument). */
const SEND_SCRIPT_KEYS = '6';
// Its ARGV, after the script, the key count and the keys (see send-message.lua's header).
const ARG = { middle: 9, tail: 10, channel: 14, head: 15 };

const realSendCommand = Redis.prototype.sendCommand;
/** The worker's subscriber: the client that sends SSUBSCRIBE. */
let subscriber;
const lastIdByChannel = new Map();

Redis.prototype.sendCommand = function sendCommand(command, stream) {
  if (command.name === 'ssubscribe') subscriber = this;
  const isSend = (command.name === 'evalsha' || command.name === 'eval') && command.args[1] === SEND_SCRIPT_KEYS;
  if (!isSend || !subscriber) return realSendCommand.call(this, command, stream);
  const args = command.args;
  const channel = args[ARG.channel];
  const id = (lastIdByChannel.get(channel) ?? 0) + 1;
  lastIdByChannel.set(channel, id);
  const message = `{"id":${id}${args[ARG.middle]},"created_at":${Math.floor(Date.now() / 1000)}${args[ARG.tail]}}`;
  const event = Buffer.from(`${args[ARG.head]}${message}}`);
  const from = subscriber;
  // As Redis would: the reply, then the event, each after the caller's turn.
  queueMicrotask(() => {
    command.resolve(['ok', id, 0]);
    from.emit('smessageBuffer', Buffer.from(channel), event);
  });
  return command.promise;
};

await import('../packages/server/dist/main.js');

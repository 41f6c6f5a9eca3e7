import { AppError } from '../errors.js';
import type { Handler } from './context.js';

// Contract section 11: edit, delete and react. (Being built: see issue 19.)
export const editMessage: Handler<'edit_message'> = async () => {
  throw new AppError('internal', 'edit_message is not available yet.');
};
export const deleteMessage: Handler<'delete_message'> = async () => {
  throw new AppError('internal', 'delete_message is not available yet.');
};
export const react: Handler<'react'> = async () => {
  throw new AppError('internal', 'react is not available yet.');
};

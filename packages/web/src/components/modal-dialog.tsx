import { type ReactNode, useId } from 'react';
import { useModalDialog } from '../lib/modal-dialog';

/**
 * A modal dialog's frame: the backdrop, the dialog named by its title (and described by its text, when it has
 * one), with useModalDialog's keyboard and focus. `alert`: an alert dialog (a question before something that
 * cannot be taken back).
 */
export function ModalDialog({
  title,
  text,
  onCancel,
  alert = false,
  placesFocus = false,
  className,
  children,
}: {
  title: ReactNode;
  text?: ReactNode;
  onCancel: () => void;
  alert?: boolean;
  placesFocus?: boolean;
  className?: string;
  children: ReactNode;
}) {
  const titleId = useId();
  const textId = useId();
  const { dialogRef, onKeyDown } = useModalDialog(onCancel, { placesFocus });
  return (
    <div className="dialog-backdrop">
      {/* biome-ignore lint/a11y/noStaticElementInteractions: its role is dialog or alertdialog, which the linter cannot read from a variable */}
      {/* biome-ignore lint/a11y/useAriaPropsSupportedByRole: as above: aria-modal belongs to both roles */}
      <div
        ref={dialogRef}
        className={className ? `dialog ${className}` : 'dialog'}
        role={alert ? 'alertdialog' : 'dialog'}
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={text === undefined ? undefined : textId}
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId}>{title}</h2>
        {text === undefined ? null : <p id={textId}>{text}</p>}
        {children}
      </div>
    </div>
  );
}

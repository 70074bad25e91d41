'use client';

import type { ReactNode } from 'react';
import { Button } from '../ui/button';
import { Dialog, DialogActions, type DialogProps } from '../ui/dialog';
import { FormErrorNotice } from '../ui/notice';
import type { DialogFormState } from './use-dialog-form';

/**
 * The shell of every form dialog: the form (its inputs as children) submitted by the footer's primary
 * button, Cancel, and the refusal of the server under the form. `intro` stands above the form,
 * `progress` between the form and the refusal.
 */
export const FormDialog = ({
  dialogForm: { submit, serverError, isPending },
  isOpen = true,
  onClose,
  formId,
  formClassName = 'form',
  submitLabel,
  submitTestId,
  errorTitle,
  intro,
  progress,
  children,
  ...dialog
}: Omit<DialogProps, 'isOpen' | 'footer'> & {
  dialogForm: DialogFormState;
  isOpen?: boolean;
  formId: string;
  formClassName?: string;
  submitLabel: string;
  submitTestId?: string;
  errorTitle: string;
  intro?: ReactNode;
  progress?: ReactNode;
}) => (
  <Dialog
    {...dialog}
    isOpen={isOpen}
    onClose={onClose}
    footer={
      <DialogActions onCancel={onClose} isBusy={isPending}>
        <Button type="submit" form={formId} variant="primary" isBusy={isPending} data-testid={submitTestId}>
          {submitLabel}
        </Button>
      </DialogActions>
    }
  >
    {intro}
    <form id={formId} className={formClassName} onSubmit={submit} noValidate>
      {children}
    </form>
    {isPending ? progress : null}
    <FormErrorNotice error={serverError} title={errorTitle} />
  </Dialog>
);

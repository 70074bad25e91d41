'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { type DefaultValues, type FieldValues, get, type Path, useForm } from 'react-hook-form';
import type { z } from 'zod';
import { readError, type ShownError } from '../../client/read-error';
import { findFormField, toFieldMessage } from './server-field';

/** A refused request as the dialog shows it: the error, and the input it was put under (if any). */
export type FormServerError = ShownError & { formField: string | undefined };

/**
 * The one form pattern of the dashboard's dialogs (react-hook-form with a zod schema):
 * - the schema checks on submit, then on every change, and each problem shows under its input;
 * - `submit` sends the parsed request (the schema's output) and is pending until the server answers
 *   (the submit button is busy and disabled meanwhile);
 * - a refusal that names a field is set on that input (`setError`), by the web field path the API
 *   answers with (`toFormField` renames paths where the form differs from the request); the dialog's
 *   notice carries the rest.
 */
export const useDialogForm = <TInput extends FieldValues, TOutput>({
  schema,
  defaultValues,
  send,
  toFormField,
}: {
  schema: z.ZodType<TOutput, TInput>;
  defaultValues: DefaultValues<TInput>;
  send: (request: TOutput) => Promise<unknown>;
  /** Renames an API field path to the form's, given the request that was sent. */
  toFormField?: (field: string, request: TOutput) => string | undefined;
}) => {
  const form = useForm<TInput, unknown, TOutput>({
    resolver: zodResolver(schema),
    defaultValues,
    mode: 'onSubmit',
    reValidateMode: 'onChange',
  });
  const [serverError, setServerError] = useState<FormServerError | undefined>();
  const submit = form.handleSubmit(async (request) => {
    setServerError(undefined);
    try {
      await send(request);
    } catch (caught) {
      const error = readError(caught);
      if (!error) return;
      const formField = findFormField({
        field: error.field,
        hasField: (path) => form.getValues(path as Path<TInput>) !== undefined,
        toFormField: toFormField && ((field) => toFormField(field, request)),
      });
      if (formField)
        form.setError(formField as Path<TInput>, { type: 'server', message: toFieldMessage({ error }) });
      setServerError({ ...error, formField });
    }
  });
  /** The problem of an input (the schema's or the server's), to show under it. */
  const errorOf = (name: string): string | undefined => {
    const error = get(form.formState.errors, name) as
      | { message?: string; root?: { message?: string } }
      | undefined;
    return error?.message ?? error?.root?.message;
  };
  /** An input's registration and its problem, to spread on an InputField or a SelectField. */
  const field = (name: Path<TInput>) => ({ ...form.register(name), error: errorOf(name) });
  return { form, submit, errorOf, field, serverError, isPending: form.formState.isSubmitting };
};

/** What a dialog returns to its form: submitting it, whether it is pending, and the refusal to show. */
export type DialogFormState = Pick<ReturnType<typeof useDialogForm>, 'submit' | 'serverError' | 'isPending'>;

/** A dialog's request succeeded: every query is fetched again, then the dialog closes. */
export const useRefreshThenClose = ({ onClose }: { onClose: () => void }) => {
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries();
    onClose();
  };
};

/** Why a form or a list could not do what was asked, announced at once (role="alert"); nothing when all is well. */
export function FormError({ error }: { error: string | null }) {
  return error ? (
    <p className="form-error" role="alert">
      {error}
    </p>
  ) : null;
}

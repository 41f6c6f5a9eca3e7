import type { LinkVerifyBody, LoginCodeAnswer, LoginCodeBody, LoginVerifyBody } from '@papo/protocol';

/** Which address a code was asked for (the key of its challenge). */
function addressKey(body: { phone: string } | { email: string }): string {
  return 'phone' in body ? body.phone : body.email.toLowerCase();
}

/**
 * The challenge of the last code asked for each address (to log in, or to link a phone or e-mail): the
 * verification of the same address uses it, so apps need not carry it.
 */
export class LoginChallenges {
  private readonly byAddress = new Map<string, string>();

  /** Remembers the challenge a code request answered, for the verification of the same address. */
  async keep(address: LoginCodeBody, asked: Promise<LoginCodeAnswer>): Promise<LoginCodeAnswer> {
    const answer = await asked;
    this.byAddress.set(addressKey(address), answer.challenge_id);
    return answer;
  }

  /** A verification with the address's challenge (unless the caller gave one); the challenge is then spent. */
  async verify<B extends LoginVerifyBody | LinkVerifyBody, T>(body: B, verify: (body: B) => Promise<T>): Promise<T> {
    const challenge = body.challenge_id ?? this.byAddress.get(addressKey(body));
    const result = await verify(challenge ? { ...body, challenge_id: challenge } : body);
    this.byAddress.delete(addressKey(body));
    return result;
  }
}

import { t } from '../i18n';
import type { ContactSearch } from '../state/contact-search';

/**
 * The search box of a people list ("New chat", the group member picker): it filters the contacts by name, and
 * when its text is a phone or an e-mail a button finds whoever logs in with exactly that (`search.find`);
 * `findOnEnter` makes Enter press it.
 */
export function PeopleSearch({
  search,
  label,
  findOnEnter = false,
}: {
  search: Pick<ContactSearch, 'query' | 'setQuery' | 'target' | 'find'>;
  label: string;
  findOnEnter?: boolean;
}) {
  const { query, setQuery, target, find } = search;
  return (
    <>
      <div className="search">
        <label className="search-box">
          <span className="sr-only">{label}</span>
          <input
            type="search"
            value={query}
            placeholder={label}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (findOnEnter && e.key === 'Enter' && target) {
                e.preventDefault();
                void find();
              }
            }}
          />
        </label>
      </div>
      {target ? (
        <div className="directory-more">
          <button type="button" className="secondary small" onClick={() => void find()}>
            {t('online.find', { address: query.trim() })}
          </button>
        </div>
      ) : null}
    </>
  );
}

import { PapoClient } from '@papo/client';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { locale } from './i18n';
import { unlockAudioOnGesture } from './lib/sound';
import { StoreContext } from './state/react';
import { AppStore } from './state/store';
import './styles.css';

document.documentElement.lang = locale;

// The session and the outbox live in localStorage: a reload keeps the login and what was typed offline.
const client = new PapoClient({ baseUrl: window.location.origin, storage: window.localStorage });
const store = new AppStore(client);
if (client.session) store.start();
unlockAudioOnGesture();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>
  </StrictMode>,
);

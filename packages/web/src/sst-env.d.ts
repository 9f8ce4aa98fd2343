/// <reference types="vite/client" />
interface ImportMetaEnv {
  readonly VITE_PICSTACK_API_URL: string
  readonly VITE_PICSTACK_COGNITO_DOMAIN: string
  readonly VITE_PICSTACK_COGNITO_CLIENT_ID: string
  readonly VITE_PICSTACK_MAX_UPLOAD_BYTES: string
}
interface ImportMeta {
  readonly env: ImportMetaEnv
}
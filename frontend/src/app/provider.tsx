import { QueryClientProvider } from '@tanstack/react-query'
import { RouterProvider } from '@tanstack/react-router'
import { Toaster } from 'sonner'
import { queryClient, router } from './router'

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
      {/* Bottom-right keeps toasts off the page header and its primary action. */}
      <Toaster position="bottom-right" richColors closeButton toastOptions={{ duration: 5000 }} />
    </QueryClientProvider>
  )
}

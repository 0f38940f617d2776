import { useMutation, useQueryClient } from '@tanstack/react-query'
import { api } from '@/api/client'

export function useSignOut({ onSettled }: { onSettled: () => void }) {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: async () => {
      await api.POST('/api/portal/auth/signout')
    },
    // Signed out or not, this browser should forget the session's data.
    onSettled: () => {
      queryClient.clear()
      onSettled()
    },
  })
}
